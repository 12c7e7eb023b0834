"""The portal's routers, one module per kind of work; ``web.portal.install`` mounts them."""
