"""Renderers: turn query results handed to them into files (CSV, iCal, XML, JSON)."""
