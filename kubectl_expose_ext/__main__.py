from kubectl_expose_ext.launch import main

main()
