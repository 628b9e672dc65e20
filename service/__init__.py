"""Uppföljning: event-sourced follow-up of samordningsförbund interventions."""

__version__ = "0.1.0"
