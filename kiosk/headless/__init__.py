"""Headless kiosk: microphone and speaker (or WAV files) speaking the kiosk websocket protocol."""
