package seed

// Word lists for a fictional Swedish region. Names are common Swedish
// given and family names (Statistics Sweden's top lists) plus names common
// among Swedes born abroad; places and units are invented.

// Given names by generation: born before 1960, 1960-1994, from 1995.
var maleNames = [3][]string{
	{"Lars", "Karl", "Bengt", "Hans", "Sven", "Leif", "Ulf", "Kjell", "Göran", "Åke", "Gunnar", "Rolf", "Bo", "Lennart", "Bertil", "Olle", "Lars-Erik", "Per-Olof", "Ali", "Dragan"},
	{"Mikael", "Anders", "Johan", "Erik", "Per", "Peter", "Thomas", "Daniel", "Fredrik", "Jan", "Mats", "Magnus", "Stefan", "Andreas", "Jonas", "Mattias", "Björn", "Mohammed", "Ahmed", "Nikola"},
	{"Oskar", "Lucas", "William", "Liam", "Hugo", "Elias", "Alexander", "Nils", "Axel", "Gustav", "Emil", "Viktor", "Noah", "Leo", "Adam", "Omar", "Yusuf", "Mehmet", "Juan", "Isak"},
}

var femaleNames = [3][]string{
	{"Birgitta", "Margareta", "Gunilla", "Ulla", "Britt", "Kerstin", "Ingrid", "Karin", "Eva", "Märta", "Gunnel", "Siv", "Inger", "Barbro", "Elisabeth", "Anna-Lisa", "Mirjana", "Leila", "Marianne", "Agneta"},
	{"Anna", "Maria", "Kristina", "Lena", "Sara", "Marie", "Malin", "Jenny", "Linda", "Susanne", "Annika", "Monica", "Johanna", "Åsa", "Anna-Karin", "Ann-Sofie", "Fatima", "Zeynep", "Helena", "Camilla"},
	{"Alice", "Maja", "Elsa", "Astrid", "Wilma", "Ebba", "Saga", "Alva", "Ella", "Selma", "Emma", "Hanna", "Elin", "Ida", "Sofia", "Amina", "Aisha", "Noor", "Olivia", "Vera"},
}

var familyNames = []string{
	"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson",
	"Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström",
	"Olofsson", "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist",
	"Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund",
	"Danielsson", "Lundin", "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson",
	"Fransson", "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg", "Blomqvist", "Claesson",
	"Nordström", "Mårtensson", "Lundström", "Ali", "Mohammed", "Hassan", "Ahmed", "Nguyen", "Yilmaz", "Kovačević",
	"Hussein", "Ibrahim", "Abdi", "Petrović", "Öberg", "Åberg", "Strand", "Ek", "Hedlund", "Norberg",
}

var streets = []string{
	"Storgatan", "Kyrkogatan", "Skolgatan", "Drottninggatan", "Kungsgatan", "Järnvägsgatan", "Parkvägen", "Björkvägen",
	"Tallvägen", "Granvägen", "Ekvägen", "Lönnvägen", "Aspvägen", "Sjövägen", "Strandvägen", "Backvägen",
	"Ängsvägen", "Skogsvägen", "Bergsgatan", "Trädgårdsgatan", "Nygatan", "Västra vägen", "Östra Långgatan", "Hantverkargatan",
	"Idrottsvägen", "Solvägen", "Vallgatan", "Prästgårdsvägen", "Smedjegatan", "Fabriksgatan", "Åkervägen", "Hagvägen",
	"Rönnvägen", "Syrenvägen", "Lärkvägen", "Furuvägen", "Kvarnvägen", "Mejerivägen", "Stationsgatan", "Bruksgatan",
}

// city is a town of the region with its postal code range and share of
// the population.
type city struct {
	name   string
	postal int // first postal code, five digits
	share  float64
}

var cities = []city{
	{"Exempelstad", 85231, 0.40},
	{"Norrby", 86131, 0.15},
	{"Sjövik", 86232, 0.08},
	{"Åsbacka", 86433, 0.07},
	{"Granlunda", 86534, 0.08},
	{"Älvnäs", 87035, 0.08},
	{"Storvreten", 87236, 0.08},
	{"Lillhöga", 87337, 0.06},
}

// unitKind decides a unit's care relations, hours and staff mix.
type unitKind uint8

const (
	kindClinic    unitKind = iota // hospital clinic with a ward
	kindOutpat                    // specialist outpatient clinic, no ward
	kindEmergency                 // emergency department
	kindImaging                   // radiology
	kindLab                       // laboratory
	kindPsych                     // psychiatry
	kindPrimary                   // health centre (vårdcentral)
	kindTeam                      // home care team
	kindPhysio                    // physiotherapy
)

// unitDef describes one unit of the region; provider 0 is the region,
// 1 the private company. city is an index into cities for health centres
// (-1 for the others), mix names the staff mix.
type unitDef struct {
	provider  int
	name      string
	kind      unitKind
	city      int
	size      float64 // share of staff and care
	protected bool
	mix       string
}

var unitDefs = []unitDef{
	{0, "Akutmottagningen, Exempelstads sjukhus", kindEmergency, -1, 3.0, false, "emergency"},
	{0, "Medicinkliniken, Exempelstads sjukhus", kindClinic, -1, 3.0, false, "clinic"},
	{0, "Kirurgkliniken, Exempelstads sjukhus", kindClinic, -1, 2.5, false, "clinic"},
	{0, "Ortopedkliniken, Exempelstads sjukhus", kindClinic, -1, 2.0, false, "clinic"},
	{0, "Kvinnokliniken, Exempelstads sjukhus", kindClinic, -1, 1.5, false, "women"},
	{0, "Barn- och ungdomskliniken, Exempelstads sjukhus", kindClinic, -1, 1.2, false, "clinic"},
	{0, "Hjärtkliniken, Exempelstads sjukhus", kindClinic, -1, 1.5, false, "clinic"},
	{0, "Neurologiska kliniken, Exempelstads sjukhus", kindClinic, -1, 1.0, false, "clinic"},
	{0, "Onkologiska kliniken, Exempelstads sjukhus", kindClinic, -1, 1.0, false, "clinic"},
	{0, "Infektionskliniken, Exempelstads sjukhus", kindClinic, -1, 0.8, false, "clinic"},
	{0, "Anestesi- och intensivvårdskliniken, Exempelstads sjukhus", kindClinic, -1, 1.0, false, "clinic"},
	{0, "Röntgenkliniken, Exempelstads sjukhus", kindImaging, -1, 1.2, false, "imaging"},
	{0, "Laboratoriemedicin, Exempelstads sjukhus", kindLab, -1, 0.8, false, "lab"},
	{0, "Psykiatriska kliniken, Exempelstads sjukhus", kindPsych, -1, 1.5, false, "psych"},
	{0, "Ögonkliniken, Exempelstads sjukhus", kindOutpat, -1, 0.8, false, "outpatient"},
	{0, "Öron-, näs- och halskliniken, Exempelstads sjukhus", kindOutpat, -1, 0.7, false, "outpatient"},
	{0, "Urologiska kliniken, Exempelstads sjukhus", kindClinic, -1, 0.7, false, "clinic"},
	{0, "Hud- & STI-mottagningen, Exempelstads sjukhus", kindOutpat, -1, 0.6, false, "outpatient"},
	{0, "Akutmottagningen, Norrby lasarett", kindEmergency, -1, 1.5, false, "emergency"},
	{0, "Medicinkliniken, Norrby lasarett", kindClinic, -1, 1.5, false, "clinic"},
	{0, "Kirurgkliniken, Norrby lasarett", kindClinic, -1, 1.2, false, "clinic"},
	{0, "Ortopedkliniken, Norrby lasarett", kindClinic, -1, 1.0, false, "clinic"},
	{0, "Geriatriska kliniken, Norrby lasarett", kindClinic, -1, 1.0, false, "clinic"},
	{0, "Röntgenkliniken, Norrby lasarett", kindImaging, -1, 0.6, false, "imaging"},
	{0, "Rättspsykiatriska regionkliniken", kindPsych, -1, 0.6, true, "psych"},
	{0, "Ungdomsmottagningen Exempelstad", kindOutpat, 0, 0.3, true, "youth"},
	{0, "Vårdcentralen Centrum, Exempelstad", kindPrimary, 0, 1.0, false, "primary"},
	{0, "Vårdcentralen Söder, Exempelstad", kindPrimary, 0, 1.0, false, "primary"},
	{0, "Vårdcentralen Norrby", kindPrimary, 1, 1.0, false, "primary"},
	{0, "Vårdcentralen Sjövik", kindPrimary, 2, 0.7, false, "primary"},
	{0, "Vårdcentralen Åsbacka", kindPrimary, 3, 0.6, false, "primary"},
	{0, "Vårdcentralen Granlunda", kindPrimary, 4, 0.7, false, "primary"},
	{0, "Vårdcentralen Älvnäs", kindPrimary, 5, 0.7, false, "primary"},
	{0, "Hemsjukvården Exempelstad", kindTeam, 0, 0.8, false, "team"},
	{1, "Vårdbolaget Norr Vårdcentral Storvreten", kindPrimary, 6, 0.7, false, "primary"},
	{1, "Vårdbolaget Norr Vårdcentral Exempelstad City", kindPrimary, 0, 0.9, false, "primary"},
	{1, "Vårdbolaget Norr Vårdcentral Lillhöga", kindPrimary, 7, 0.6, false, "primary"},
	{1, "Vårdbolaget Norr Ortopedi & Idrottsmedicin", kindOutpat, -1, 0.6, false, "outpatient"},
	{1, "Vårdbolaget Norr Fysioterapi", kindPhysio, -1, 0.5, false, "physio"},
	{1, "Vårdbolaget Norr Närakut", kindEmergency, -1, 0.7, false, "emergency"},
}

// weighted is a text with a relative weight.
type weighted struct {
	text string
	w    float64
}

// titleMixes are the staff titles of each kind of unit.
var titleMixes = map[string][]weighted{
	"clinic":     {{"Läkare", 25}, {"Sjuksköterska", 38}, {"Undersköterska", 25}, {"Läkarsekreterare", 8}, {"Fysioterapeut", 2}, {"Kurator", 2}},
	"women":      {{"Läkare", 22}, {"Barnmorska", 25}, {"Sjuksköterska", 18}, {"Undersköterska", 25}, {"Läkarsekreterare", 10}},
	"emergency":  {{"Läkare", 30}, {"Sjuksköterska", 40}, {"Undersköterska", 25}, {"Läkarsekreterare", 5}},
	"imaging":    {{"Läkare", 30}, {"Röntgensjuksköterska", 45}, {"Undersköterska", 15}, {"Läkarsekreterare", 10}},
	"lab":        {{"Biomedicinsk analytiker", 70}, {"Läkare", 10}, {"Läkarsekreterare", 20}},
	"psych":      {{"Läkare", 20}, {"Sjuksköterska", 30}, {"Skötare", 30}, {"Psykolog", 10}, {"Kurator", 10}},
	"outpatient": {{"Läkare", 35}, {"Sjuksköterska", 35}, {"Undersköterska", 15}, {"Läkarsekreterare", 15}},
	"youth":      {{"Barnmorska", 35}, {"Kurator", 30}, {"Psykolog", 15}, {"Läkare", 20}},
	"primary":    {{"Läkare", 25}, {"Distriktssköterska", 25}, {"Sjuksköterska", 10}, {"Undersköterska", 15}, {"Läkarsekreterare", 10}, {"Fysioterapeut", 7}, {"Psykolog", 4}, {"Kurator", 4}},
	"team":       {{"Sjuksköterska", 50}, {"Undersköterska", 30}, {"Arbetsterapeut", 10}, {"Fysioterapeut", 10}},
	"physio":     {{"Fysioterapeut", 70}, {"Arbetsterapeut", 20}, {"Läkarsekreterare", 10}},
}

// Activities as RIV record systems write them (activityTextsArr).
const (
	actRead = iota
	actWrite
	actSign
	actPrint
	actVerify
	actDelete
	actEmergency
)

// Purposes as RIV record systems write them (purposeTextsArr).
const (
	purposeCare = iota
	purposeQuality
	purposeAdmin
	purposeStatistics
)

// resourceTypes are information types as Swedish record systems name them.
var resourceTypes = []weighted{
	{"Journalanteckning", 34},
	{"Provsvar", 14},
	{"Läkemedelslista", 11},
	{"Vårdkontakt", 9},
	{"Diagnos", 6},
	{"Remiss", 6},
	{"Röntgensvar", 5},
	{"Omvårdnadsanteckning", 5},
	{"Vårdplan", 3},
	{"Mätvärden", 3},
	{"Epikris", 2},
	{"Intyg", 1},
	{"Vaccinationer", 1},
}

// ResourceTypes lists every resource type text the generator writes, for
// the extract's word list.
func ResourceTypes() []string {
	out := make([]string, len(resourceTypes))
	for i, r := range resourceTypes {
		out[i] = r.text
	}
	return out
}

// Record systems, one per provider.
var systemNames = []string{"TakeCare", "PMO"}
