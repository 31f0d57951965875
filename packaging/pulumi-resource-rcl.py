"""Entry point of the packaged provider plugin (a PyInstaller bundle, see the .spec beside it)."""

from rcl_resources.plugin import main

main()
