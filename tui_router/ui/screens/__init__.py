"""Screens pushed over the main screen (model picker here; summary, help and welcome too)."""
