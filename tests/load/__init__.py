"""`make load`: a load and fault test against a real stack (PostgreSQL, Redis, gunicorn with
4 workers, 2 queue workers, an SMTP sink). Not part of the pytest suite (norecursedirs): it
takes minutes, needs the servers and prints figures. Run it with `python -m tests.load`."""
