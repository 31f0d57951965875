"""Local Amazon Rekognition Custom Labels emulator (with S3 through moto) that really trains."""

__all__ = ["EmulatorServer"]


def __getattr__(name: str):  # lazy: importing the package must not start moto
    if name == "EmulatorServer":
        from .server import EmulatorServer

        return EmulatorServer
    raise AttributeError(name)
