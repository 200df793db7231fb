"""Reference channelkit providers, built on the public SDK only."""
