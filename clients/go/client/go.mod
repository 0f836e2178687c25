module github.com/OpenMined/syftbox-accounting-go

go 1.23

require (
)
