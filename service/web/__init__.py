"""The Swedish web application (product.md §11): server-rendered pages on the same
application layer as the API. routes.py is the router api/app.py mounts at `/`."""
