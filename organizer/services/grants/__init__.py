"""Scholarships and travel grants, one module per stage: programmes (set-up), applications,
review (the committee's scores and ranking), allocation (the optimiser), offers, and
reimbursement (receipts and payouts)."""
