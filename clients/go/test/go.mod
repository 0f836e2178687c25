module syftbox-accounting/clients/go/test

go 1.19

require github.com/OpenMined/syftbox-accounting-go v0.0.0

replace github.com/OpenMined/syftbox-accounting-go => ../client
