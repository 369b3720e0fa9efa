package bake

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"errors"
)

// exeIdentity names the running prebake executable's bytes: "go-buildid:"
// and the Go build ID that the go command stamps into an ELF executable's
// .note.go.buildid (its last part is the hash of the executable's content,
// cmd/go's updateBuildID), else "sha256:" and the SHA-256 of the whole file.
// Hashing the tens of megabytes of the executable was the longest part of a
// no-change rebuild; the note is a few hundred bytes at the file's start.
func (fs fileSums) exeIdentity(exe string) (string, error) {
	if id, err := goBuildID(exe); err == nil && id != "" {
		return "go-buildid:" + id, nil
	}
	s, err := fs.get(exe)
	if err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(s.sum), nil
}

// goBuildID reads the Go build ID note of an ELF file ("" when it has none,
// an error when it is not ELF).
func goBuildID(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return "", nil
	}
	data, err := sec.Data()
	if err != nil {
		return "", err
	}
	// An ELF note: namesz, descsz, type (4 bytes each, the file's byte
	// order), the name padded to 4 bytes ("Go\x00\x00"), then the ID.
	if len(data) < 16 {
		return "", errors.New("short Go build ID note")
	}
	bo := f.ByteOrder
	namesz, descsz := bo.Uint32(data[0:4]), bo.Uint32(data[4:8])
	nameEnd := 12 + uint64(namesz)
	descStart := 12 + (uint64(namesz)+3)&^3
	if nameEnd > uint64(len(data)) || descStart+uint64(descsz) > uint64(len(data)) ||
		!bytes.Equal(bytes.TrimRight(data[12:nameEnd], "\x00"), []byte("Go")) {
		return "", errors.New("malformed Go build ID note")
	}
	return string(data[descStart : descStart+uint64(descsz)]), nil
}
