from organizer import create_app

app = create_app()
