"""Clinician summary (PDF) and exports: what a person brings to the conversation the seed
recommends (section 6), from their own answers to the health questions (never a diagnosis):
health answers to discuss, treatment, limitations, the proposed routine."""
