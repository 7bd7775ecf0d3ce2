"""Placeholder: claims of this group are being added."""
