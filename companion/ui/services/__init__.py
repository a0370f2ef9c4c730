"""What the screens are given: the services container (`AppServices`, the `History` protocol),
the session builder and the key table with its dispatcher. Below the screens, above the
adapters.
"""
