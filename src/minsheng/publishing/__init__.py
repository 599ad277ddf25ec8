"""Publishing for the public: typical cases (典型案例) and redaction."""
