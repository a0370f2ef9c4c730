"""What the screens are given: the services container (`AppServices`), the typed seams
(`ports`: the `History` protocol and the others),
the session builder and the key table with its dispatcher. Below the screens, above the
adapters.
"""
