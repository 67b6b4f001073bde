"""Keys, signatures, sealed files and signed 任务参数 packages (issue 15), on the ``cryptography``
package only: no home-made primitives. Nothing here imports Qt or touches SQL."""
