"""Installing and updating a kiosk: ``deploy/install-kiosk`` and ``deploy/update-kiosk`` are thin shells
over :mod:`kiosk.deploy.install` and :mod:`kiosk.deploy.update` (docs/operations.md).

Standard library only: both run under the system's ``python3`` before any virtual environment exists.
"""
