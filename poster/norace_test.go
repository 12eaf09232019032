//go:build !race

package poster

const raceEnabled = false
