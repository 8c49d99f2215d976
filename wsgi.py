"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""
from whitepaper import create_app

app = create_app()
