print("disca")
