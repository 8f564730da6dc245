"""The data behind ``omnicontext demo``: raw identifiers that become one
customer, one case, four channels."""
