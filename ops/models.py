from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last sign of life of a background process: ``beat`` (when beat last sent its heartbeat task) and
    ``worker`` (when a worker last ran it). /healthz reads them."""

    BEAT, WORKER = "beat", "worker"

    name = models.CharField(max_length=32, primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
