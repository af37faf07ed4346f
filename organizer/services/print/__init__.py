"""Printed documents made with WeasyPrint: the booklet, the room signs, visa letters and the
representation report; what they all share (the static-only fetcher, rendering) is in pdf.py."""
