"""The domain: models and services shared by the portal and the public site.

Nothing here reads flask.request, session or g: services take plain values and the acting user.
"""
