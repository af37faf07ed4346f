"""The read API's services: who the caller is and which event they reach (`access`), the
paginated reads with the pages' permission checks (`reads`), and the JSON shapes (`shapes`).

Each read asks the same `permissions.can_*` predicates as the page that shows the same thing,
and shows no more than that page: reviewers read what the review pages show them (and no
speakers under anonymous review), grant reviewers no applicant's identity under anonymous
review, nobody any demographic answer or any person's access needs. Times are ISO 8601 in UTC
with the event's IANA zone beside them; money is integer minor units with its currency.
"""
