"""The committee pages: proposals, reviewers, ranking, decisions."""
