"""Context that follows the customer across channels."""
