// Package rows reads the data of a campaign, one record at a time, from a
// CSV file (UTF-8 with or without a byte-order mark, or GBK/GB18030 as
// Excel saves it in China), a JSON Lines file or an XLSX workbook. Column
// names become data fields; dotted names ("user.name") become nested
// fields. Every read is bounded (row bytes, columns, cell bytes) and a bad
// row is reported as that row's error while reading goes on, so a million
// rows stream through in flat memory.
package rows
