"""The image bakery: root → base → thin per-service images, tagged by a hash of their inputs.

Entry points: `workbench.bakery.bake.ensure_images(lab)` (what the Docker runtime calls before
starting a lab), `bake_lab`, and `workbench.bakery.images` (listing and pruning).
This package, `workbench.dockerengine` (the one adapter over the engine) and
`workbench.runtime.docker` are the only places that import the `docker` SDK.
"""
