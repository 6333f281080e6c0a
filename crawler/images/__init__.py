"""Image privacy: refuse personal images (faces, personal metadata, avatar context); store the rest stripped."""

from crawler.images.check import ImageVerdict, check_image
from crawler.images.context import personal_context
from crawler.images.faces import FaceDetector, default_detector
from crawler.images.store import ImageStore

__all__ = ["ImageStore", "ImageVerdict", "FaceDetector", "check_image", "default_detector", "personal_context"]
