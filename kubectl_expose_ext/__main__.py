from kubectl_expose_ext.cli import main

main()
