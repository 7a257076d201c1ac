"""Model providers behind one async streaming contract (see `base`).

SDKs are imported lazily inside each provider so that importing this package costs nothing.
"""
