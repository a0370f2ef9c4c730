"""The screens and dialogs a person uses: start, player, check-in, end, safety, screening,
settings, the routine editor, Learn and breathing.
"""
