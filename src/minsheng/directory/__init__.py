"""Divisions, units, teams, users and roles; loads a city's configuration."""
