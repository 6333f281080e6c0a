"""Image privacy: refuse personal images (faces, personal metadata, avatar context); store the rest stripped.

Import from the submodules (kept separate so the CLI stays quick to start): ``check.check_image``,
``context.personal_context``, ``faces.default_detector``, ``store.ImageStore``.
"""
