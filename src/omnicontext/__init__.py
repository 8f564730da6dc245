"""omnicontext."""
