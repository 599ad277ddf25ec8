"""Deputies' suggestions and CPPCC proposals (建议提案办理追踪)."""
