"""Entry point of the packaged provider plugin (a PyInstaller bundle; see pulumi-resource-rcl.spec)."""

from rcl_resources.plugin import main

main()
