"""One-click group (一键组群): a lead unit and co-handling units on one case, one thread, one answer."""
