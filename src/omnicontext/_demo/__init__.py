"""The data behind ``omnicontext demo``: one customer, one case, four channels."""
