"""Clinician summary (PDF) and exports: what a person brings to the conversation the seed
recommends (symptoms and diagnosis, treatment, limitations, the proposed routine)."""
