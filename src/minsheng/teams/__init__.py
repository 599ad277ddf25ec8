"""Duty teams: the duty board, nearest-available ranking, team status and shift rosters."""
