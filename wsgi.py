"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`.

The app is built with the cyclic garbage collector off, and what it built is then frozen (moved out of the
collector's reach; Python's gc documentation recommends it for servers that fork workers): its tens of
thousands of long-lived objects (models, routes, templates' helpers) are never scanned, neither while start-up
creates them nor by every later full collection in a worker."""
import gc

gc.disable()
try:
    from whitepaper import create_app

    app = create_app()
    gc.freeze()
finally:
    gc.enable()
