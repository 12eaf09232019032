module github.com/haibao/haibao

go 1.26.8
