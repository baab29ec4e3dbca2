"""Rehearsal: a room full of simulated phones, to see every screen before the event.

Simulated delegates join with the workshop's rehearsal secret, so they are
marked (`source` "simulated") from the start: the control screen shows them as
such, reports and exports leave them out, and one action removes them with
everything they sent.
"""
