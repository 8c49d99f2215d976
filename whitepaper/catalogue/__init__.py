"""The catalogue: loading and validating criteria/, versions and their transitions, browse pages and API."""
