"""Money after the offer: receipts, exchange rates, payouts, the treasurer's export, and
visa invitation letters."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("grant_money", __name__)
