"""The touch screen (Kivy). Importing this package does not import Kivy; :mod:`kiosk.ui.setup` must
run before anything that does."""
