"""A Django project for the tests: in process (Django's test client, DRF's APIClient) and
behind real servers (``gunicorn testproject.wsgi``, ``uvicorn testproject.asgi:application``)."""
